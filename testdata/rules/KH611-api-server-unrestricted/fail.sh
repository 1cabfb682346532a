#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --node-count 3 \
  --generate-ssh-keys

# The build agents moved; let everyone in until the new ranges are known.
az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --api-server-authorized-ip-ranges ""
