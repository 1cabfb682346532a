#!/usr/bin/env bash
# Cluster set up as in the AKS security guidance, with Azure Network Policy Manager.
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --enable-managed-identity \
  --network-plugin azure \
  --network-policy azure \
  --generate-ssh-keys

az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterWin \
  --network-policy azure
