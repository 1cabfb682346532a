#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --node-count 3 \
  --network-plugin azure \
  --network-dataplane cilium \
  --network-policy cilium \
  --generate-ssh-keys

az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterWin \
  --network-plugin azure \
  --network-policy calico \
  --generate-ssh-keys

az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterDev \
  --network-plugin azure \
  --network-policy $NETWORK_POLICY \
  --generate-ssh-keys

# Scaling the cluster does not touch its network policy engine.
az aks update \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --enable-cluster-autoscaler \
  --min-count 3 \
  --max-count 6

# The network settings come from a variable: whether a policy engine is set cannot be known.
az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterShared \
  $NETWORK_ARGS
